// Reads README.md's tables, so tests can hold the README to the code's own sources of truth.
import { readFileSync } from 'node:fs';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';

export function readme(): string {
  return readFileSync(`${REPOSITORY_ROOT}README.md`, 'utf8');
}

/**
 * The rows of the first table after the heading that reads `heading` (without its #s), each as its
 * cells, trimmed; the header row and the separator row are left out. Fails, naming the heading, if
 * the heading or its table is missing: a test that finds no rows must not pass.
 */
export function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#+ /.test(line)) break;
    if (line.startsWith('|')) rows.push(cellsOf(line));
    else if (rows.length > 0) break;
  }
  if (rows.length < 3) throw new Error(`README.md has no table with rows under "${heading}"`);
  return rows.slice(2);
}

function cellsOf(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The `code` spans of a cell, in order: `` `A` or `B` `` gives ['A', 'B']. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

/** Markdown entities as the README writes them in tables (`&lt;target&gt;`). */
export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `a.{b, c}.d` gives ['a.b.d', 'a.c.d']: one README row may name sibling fields together. */
export function expandBraces(path: string): string[] {
  const match = /\{([^{}]+)\}/.exec(path);
  if (!match) return [path];
  const [whole, inner] = match as unknown as [string, string];
  return inner.split(',').flatMap((part) => expandBraces(path.replace(whole, part.trim())));
}
