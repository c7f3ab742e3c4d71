// Where the CLI's text goes. With --json, stdout carries exactly one JSON document (the result)
// and every human line (progress, notices, file lists) goes to stderr; without it, human lines
// go to stdout as before and the result is printed after them.

export interface Output {
  json: boolean;
  /** a line for a person: stdout, or stderr under --json */
  human(line: string): void;
  /** the command's result: one JSON document on stdout (pretty: indented) */
  result(value: unknown, pretty?: boolean): void;
}

export function outputFor(json: boolean): Output {
  return {
    json,
    // console.log/error (not stream writes), so a caller that runs main() in-process can capture them
    human: (line) => (json ? console.error(line) : console.log(line)),
    result: (value, pretty = false) => console.log(JSON.stringify(value, null, pretty ? 2 : undefined)),
  };
}
