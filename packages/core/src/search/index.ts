/** The search consumer's domain logic: tokenizer, term diff, query parsing, ranking, snippets, index orchestration. */
export * from "./search-limits.js";
export { fold, isTerm, termHits, tokenize, tokenizeAsync, type TermHit, type Tokens } from "./tokenize.js";
export * from "./term-diff.js";
export * from "./query.js";
export * from "./rank.js";
export * from "./snippet.js";
export * from "./index-document.js";
export * from "./search-documents.js";
export * from "./index-debounced.js";
