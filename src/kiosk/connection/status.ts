/**
 * The kiosk's link to the server as the status LED shows it.
 * connecting: an attempt is under way. online: welcomed. offline: waiting to retry after a
 * network failure. error: the server refused us (bad secret, revoked, wrong protocol version);
 * an organiser has to act, and the kiosk keeps retrying slowly meanwhile.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'error';
