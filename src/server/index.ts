export { createPivoteServer, PivoteServer, type PivoteServerOptions, type ConnectionMeta, type ServerStats } from './server.js';
export { listenTcp, stopListening, type TcpListenOptions } from './tcp.js';
export { startServer, type StartServerOptions, type RunningServer } from './run-server.js';
export { DEFAULT_LIMITS, DEFAULT_BURST, resolveLimits, idleTimeoutMs, type ServerLimits } from './limits.js';
export { judgeVote, type VoteVerdict, type VoteRejectCode } from './vote-rules.js';
export { realTimers, type Timers } from './timers.js';
export { loadServerTls, wrapServerSocket, type ServerTls, type ServerTlsFiles } from './tls.js';
