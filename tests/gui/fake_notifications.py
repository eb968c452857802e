"""A stand-in for a desktop's notification daemon, run as its own process on a private
session bus: ``python fake_notifications.py ADDRESS RECORD_FILE``. It owns
``org.freedesktop.Notifications``, answers Notify (and Introspect, as real daemons do,
for gdbus's argument types) and appends each Notify's arguments to RECORD_FILE as a
JSON line; it prints ``ready`` once the name is its own."""

from __future__ import annotations

import json
import sys

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

SERVICE = "org.freedesktop.Notifications"
INTROSPECTION = """<node>
 <interface name="org.freedesktop.Notifications">
  <method name="Notify">
   <arg type="s" direction="in"/><arg type="u" direction="in"/>
   <arg type="s" direction="in"/><arg type="s" direction="in"/>
   <arg type="s" direction="in"/><arg type="as" direction="in"/>
   <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
   <arg type="u" direction="out"/>
  </method>
 </interface>
</node>"""


def main(address: str, record: str) -> None:
    conn = open_dbus_connection(bus=address)
    conn.send_and_get_reply(message_bus.RequestName(SERVICE))
    print("ready", flush=True)
    count = 0
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = msg.header.fields.get(HeaderFields.member)
        if member == "Notify":
            count += 1
            app, replaces, icon, title, body, actions, _hints, timeout = msg.body
            with open(record, "a", encoding="utf-8") as f:
                f.write(json.dumps([app, replaces, icon, title, body, actions, timeout]) + "\n")
            conn.send(new_method_return(msg, "u", (count,)))
        elif member == "Introspect":
            conn.send(new_method_return(msg, "s", (INTROSPECTION,)))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (member,)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
