#!/usr/bin/env -S node --max-semi-space-size=64
// The V8 young generation is raised where the process starts: kafkajs's fetch decoding and the
// per-record objects are short-lived, and a bigger semi-space about halves the time spent in GC.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
