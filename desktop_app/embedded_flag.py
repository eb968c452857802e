"""The argument that makes this executable run the embedded server instead of the app.

A module of its own so that ``desktop_app.__main__`` can check for it without importing the
server-starting code (subprocess, secrets, OpenSSL), which no other subcommand needs.
"""

EMBEDDED_SERVER_FLAG = "--run-embedded-server"
