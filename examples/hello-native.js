// tusk's native interface, the fastest path: `npx tusk --interface native examples/hello-native.js`
export default function hello(req, res) {
  res.setHeader('content-type', 'text/plain');
  res.end(`Hello from tusk worker ${process.pid} (${req.method} ${req.url})\n`);
}
