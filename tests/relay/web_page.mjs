// The page of the Chromium relay test, bundled by esbuild (the @nats-io packages ship CommonJS): exposes wasmq and its JetStream relay to the test.
import init, { Queue } from "../../pkg/wasmq.js";
import { relayToJetStream } from "../../pkg/jetstream.js";

globalThis.relayTest = { init, Queue, relayToJetStream };
