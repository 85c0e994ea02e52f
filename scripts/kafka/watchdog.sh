#!/usr/bin/env bash
# Runs a command (the Kafka JVM) and ends it when this script's standard input reaches end of file,
# that is when the Node process that started it dies, even by SIGKILL, which runs no exit handler.
# The launcher keeps the write end of that pipe open for as long as it wants the broker running.
# Usage: watchdog.sh <command> [args...]
set -u
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
(
  # Block until the parent's end of the pipe closes (EOF), then stop the command: TERM, then KILL.
  while read -r -u 3 _; do :; done
  kill -TERM "$child" 2>/dev/null || exit 0
  for _ in $(seq 1 100); do
    kill -0 "$child" 2>/dev/null || exit 0
    sleep 0.1
  done
  kill -KILL "$child" 2>/dev/null
) &
watcher=$!
exec 3<&-
wait "$child"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
