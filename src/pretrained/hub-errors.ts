// The hub's HTTP errors in words, for the Node and the browser clients alike: what the status means for a
// model (private, gated, missing, a wrong revision) and what to do about it.

export class HubHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | null,
  ) {
    super(message);
    this.name = "HubHttpError";
  }
}

/**
 * A clear error for a failed hub response; names the URL and what to do. `tokenAdvice` says how to pass a
 * token where the caller runs ("set HF_TOKEN" in Node).
 */
export function httpError(url: string, response: Response, tokenAdvice = "set HF_TOKEN"): HubHttpError {
  const code = response.headers.get("x-error-code");
  const serverMessage = response.headers.get("x-error-message");
  const status = response.status;
  let hint = "";
  if (status === 401) hint = `: authentication required (a private or gated repository, or a wrong id; ${tokenAdvice})`;
  else if (status === 403)
    hint = ": access denied (the token cannot read this repository; gated repositories need their conditions accepted)";
  else if (status === 404 && code === "RepoNotFound") hint = `: repository not found (or private: ${tokenAdvice})`;
  else if (status === 404 && code === "RevisionNotFound") hint = ": revision not found";
  else if (status === 404) hint = ": not found";
  else if (status === 429) hint = ": too many requests, try again later";
  else if (status >= 500) hint = ": server error, try again later";
  const detail = serverMessage ? ` (${serverMessage})` : "";
  return new HubHttpError(`${url}: HTTP ${status}${hint}${detail}`, status, code);
}
