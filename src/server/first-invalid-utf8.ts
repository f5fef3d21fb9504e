/**
 * Where `bytes` stop being UTF-8: the offset of the first byte that does not start, or continue,
 * a well-formed sequence (Unicode's table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF); -1 when all of it is UTF-8. Only for the error message: `isUtf8` decides.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range is narrower after these leads: it rules out overlong forms,
    // surrogates (ED A0..BF) and code points past U+10FFFF.
    const second = bytes[i + 1]!;
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}
