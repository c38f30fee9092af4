/** A server that answers every request at once; the driver benchmark's target. Run as a child. */
import http from 'node:http';

const body = '{"result":"issued"}';
const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
process.on('disconnect', () => process.exit(0));
