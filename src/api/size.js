// `payloadSize`, the measure `maxPayloadBytes` is checked against (a wasm-bindgen snippet the glue imports;
// the rules are in size.rs). Walked in JavaScript, where each value had been one or more crossings from wasm
// (its type tests, a `Map`'s and a `Set`'s callbacks, every string copied out to count its UTF-8 bytes).

/** The UTF-8 bytes of `s` as the glue encodes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `v instanceof C`, false where `C` is absent from this runtime or the test throws. */
function is(v, C) {
  try {
    return typeof C === "function" && v instanceof C;
  } catch {
    return false;
  }
}

/** `v[key]`, or undefined where reading it throws. */
function field(v, key) {
  try {
    return v[key];
  } catch {
    return undefined;
  }
}

/** The bytes an object holds itself; what it contains goes on `todo`. */
function objectSize(v, todo) {
  if (is(v, Date)) return 8;
  if (is(v, RegExp)) {
    todo.push(v.source, v.flags);
    return 0;
  }
  if (is(v, ArrayBuffer)) return v.byteLength;
  if (ArrayBuffer.isView(v)) {
    todo.push(field(v, "buffer"));
    return 0;
  }
  if (is(v, globalThis.Blob)) return Math.trunc(v.size);
  if (is(v, Map)) {
    v.forEach((value, key) => todo.push(key, value));
    return 0;
  }
  if (is(v, Set)) {
    v.forEach((value) => todo.push(value));
    return 0;
  }
  if (is(v, Error)) {
    todo.push(field(v, "message"), field(v, "stack"));
    return 0;
  }
  // Arrays and plain objects (a clone of a class instance is a plain object).
  const array = Array.isArray(v);
  let entries;
  try {
    entries = Object.entries(v);
  } catch {
    return 0;
  }
  let keys = 0;
  for (const [key, value] of entries) {
    if (!array) keys += utf8Length(key);
    todo.push(value);
  }
  return keys;
}

/** The measured size of `payload`, or, as soon as it passes `max`, the size measured so far (more than `max`). */
export function payloadSize(payload, max) {
  const seen = new Set();
  const todo = [payload];
  let total = 0;
  const over = (n) => (total += n) > max;
  while (todo.length) {
    const v = todo.pop();
    const type = typeof v;
    if (type === "string") {
      // A string's UTF-8 bytes are at least its UTF-16 units: not counted when those already pass the limit.
      if (over(v.length) || over(utf8Length(v) - v.length)) return total;
    } else if (type === "number") {
      if (over(8)) return total;
    } else if (type === "bigint") {
      if (over(v.toString(10).length)) return total;
    } else if ((type !== "object" || v === null) && type !== "function") {
      if (over(1)) return total; // boolean, null, undefined (symbols and functions are not cloneable)
    } else if (!seen.has(v)) {
      seen.add(v);
      if (over(1) || over(objectSize(v, todo))) return total;
    }
  }
  return total;
}
