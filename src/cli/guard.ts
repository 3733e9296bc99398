/**
 * Imported first by every entry point. Node opens its inspector (a
 * WebSocket on 127.0.0.1:9229 that runs any code it is sent) when the
 * process gets SIGUSR1, and bt runs as root: anyone on the machine could
 * then run code as root. A listener of its own keeps Node from doing that
 * (bt trace passes SIGUSR1 on to the build instead: capture/session.ts).
 */
process.on('SIGUSR1', () => {});
