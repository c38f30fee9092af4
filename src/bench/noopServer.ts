/** A server that answers every request at once; the driver benchmark's target. Run as a child. */
import http from 'node:http';

const body = '{"result":"issued"}';
const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    // A Server-Timing header like the embedded server's, so the driver parses and keeps one per request.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'server-timing': 'lock;dur=0.05, cs;dur=0.02, total;dur=0.08' });
    res.end(body);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
process.on('disconnect', () => process.exit(0));
