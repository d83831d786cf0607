// @ts-self-types="./relay-error.d.ts"
// The error the relays (wasmq/jetstream, wasmq/http) reject with — a stable `code`, and `option` for INVALID_OPTION — and the option checks they share.

/** A relay error with a stable `code` (`INVALID_OPTION`, `RELAY_UNREACHABLE`, `STREAM_NOT_FOUND`, `SUBJECT_NOT_IN_STREAM`). */
export class RelayError extends Error {
  constructor(code, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RelayError";
    this.code = code;
  }
}

/** An INVALID_OPTION error naming `option`. */
export const invalid = (option, why) => Object.assign(new RelayError("INVALID_OPTION", `invalid option \`${option}\`: ${why}`), { option });

/** Refuses a non-object and any name not in `known` (a misspelt option is an error, not a default). */
export function checkOptionNames(options, known, caller) {
  if (options === null || typeof options !== "object") throw invalid("options", "must be an object");
  for (const name of Object.keys(options)) if (!known.includes(name)) throw invalid(name, `is not an option of ${caller}`);
}
