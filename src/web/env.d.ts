/** Vite bundles CSS imported from a module (the stylesheet, uPlot's styles). */
declare module '*.css';
