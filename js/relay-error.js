// @ts-self-types="./relay-error.d.ts"
// The error the relays (wasmq/jetstream, wasmq/http) reject with: a stable `code`, and `option` for INVALID_OPTION.

/** A relay error with a stable `code` (`INVALID_OPTION`, `RELAY_UNREACHABLE`, `STREAM_NOT_FOUND`, `SUBJECT_NOT_IN_STREAM`). */
export class RelayError extends Error {
  constructor(code, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RelayError";
    this.code = code;
  }
}
