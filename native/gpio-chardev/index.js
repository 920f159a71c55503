'use strict';
// Loads the compiled binding. Kept as CommonJS so both require() and createRequire() find it;
// pivote loads it lazily so a machine where it did not build still runs the other backends.
module.exports = require('./build/Release/gpio_chardev.node');
