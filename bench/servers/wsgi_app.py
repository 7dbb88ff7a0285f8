# The bench routes as a WSGI app for Gunicorn (gunicorn -w 1 --chdir bench/servers wsgi_app:app):
# GET / hello world, POST /echo the JSON body re-serialised, GET /1mb 1 MiB of bytes.
import json

HELLO = b'Hello, World!'
ONE_MIB = b'x' * (1024 * 1024)


def app(environ, start_response):
    path, method = environ.get('PATH_INFO', '/'), environ['REQUEST_METHOD']
    if path == '/' and method == 'GET':
        body, ctype, status = HELLO, 'text/plain', '200 OK'
    elif path == '/echo' and method == 'POST':
        length = int(environ.get('CONTENT_LENGTH') or 0)
        try:
            body = json.dumps(json.loads(environ['wsgi.input'].read(length)), separators=(',', ':')).encode()
            ctype, status = 'application/json', '200 OK'
        except ValueError:
            body, ctype, status = b'bad json', 'text/plain', '400 Bad Request'
    elif path == '/1mb' and method == 'GET':
        body, ctype, status = ONE_MIB, 'application/octet-stream', '200 OK'
    else:
        body, ctype, status = b'not found', 'text/plain', '404 Not Found'
    start_response(status, [('Content-Type', ctype), ('Content-Length', str(len(body)))])
    return [body]
