/**
 * The kiosk uses the GPIO layer's timer API, so one injected object (real or fake) drives both
 * the LEDs' patterns and the client's heartbeats and backoff.
 */
export { systemTimers, type TimerHandle, type Timers } from '../../gpio/time.js';
