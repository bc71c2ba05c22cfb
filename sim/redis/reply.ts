// What a command returns to its client, as plain values: a status or bulk string, an integer,
// nil, an array, or an error reply whose message starts with Redis's error code.

export class ReplyError {
  constructor(readonly message: string) {}
  get code(): string {
    return this.message.split(' ', 1)[0]!;
  }
  toString(): string {
    return `-${this.message}`;
  }
}

export type Reply = string | number | null | ReplyError | Reply[];

export function isError(r: unknown): r is ReplyError {
  return r instanceof ReplyError;
}

export const OK = 'OK';

export function err(message: string): ReplyError {
  return new ReplyError(message);
}

export const WRONGTYPE = () => err('WRONGTYPE Operation against a key holding the wrong kind of value');
export const NOT_INTEGER = () => err('ERR value is not an integer or out of range');
export const SYNTAX = () => err('ERR syntax error');
/** processCommand()'s refusal of a command without the LOADING flag while the node loads. */
export const LOADING_MESSAGE = 'LOADING Redis is loading the dataset in memory';
export const arity = (name: string) => err(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);

/** A reply as one line of text (errors with their "-", arrays in brackets, nil as "(nil)"). */
export function replyText(r: Reply | null): string {
  if (r === null) return '(nil)';
  if (isError(r)) return `-${r.message}`;
  if (Array.isArray(r)) return `[${r.map((x) => replyText(x)).join(', ')}]`;
  return String(r);
}
