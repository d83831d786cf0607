// Types of the relays' shared error.
/** A relay error: `code` is INVALID_OPTION (with `option`), RELAY_UNREACHABLE, STREAM_NOT_FOUND or SUBJECT_NOT_IN_STREAM. */
export class RelayError extends Error {
  readonly code: "INVALID_OPTION" | "RELAY_UNREACHABLE" | "STREAM_NOT_FOUND" | "SUBJECT_NOT_IN_STREAM";
  readonly option?: string;
}
