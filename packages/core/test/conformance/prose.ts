import { mulberry32 } from "../../src/prng.js";
/**
 * Readable English prose for size-sensitive tests (compression ratio, item size, write
 * units). Seeded, so every run measures the same bytes.
 */
const WORDS = (
  "the a an and but or because while when where after before during although since until " +
  "team project document draft meeting review budget schedule customer market product feature " +
  "design system service release update report plan idea question answer decision change " +
  "people engineer manager writer reader editor author partner office city country world " +
  "morning evening week month year quarter season moment history future river garden " +
  "write read discuss share propose consider explain describe improve reduce increase prepare " +
  "decide deliver measure compare notice remember follow support approve publish collect " +
  "quickly carefully slowly clearly often rarely usually always never together finally " +
  "important simple difficult useful careful quiet bright early late small large whole " +
  "recent common public private final open shared new old green blue golden warm cold " +
  "we they she he it our their her his its this that these those every each some many " +
  "is was will should could might must can would has had have are were been being " +
  "in on at by for with about into through over under between across toward without"
).split(" ");

const rng = mulberry32;

/** Sentences of 6-18 words with the odd comma, capitalised and full-stopped. */
export function proseGenerator(seed = 1): (bytes: number) => string {
  const next = rng(seed);
  const pick = () => WORDS[Math.floor(next() * WORDS.length)];
  const sentence = () => {
    const n = 6 + Math.floor(next() * 13);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(pick() + (i < n - 1 && next() < 0.08 ? "," : ""));
    const s = words.join(" ");
    return s[0].toUpperCase() + s.slice(1) + ".";
  };
  return (bytes) => {
    let text = "";
    while (text.length < bytes) text += (text ? " " : "") + sentence();
    return text.slice(0, bytes);
  };
}

/** `bytes` of prose (ASCII, so bytes = characters). */
export function prose(bytes: number, seed = 1): string {
  return proseGenerator(seed)(bytes);
}
