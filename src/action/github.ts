/**
 * The few GitHub REST calls the Action makes (issue comments of a pull request), over fetch.
 * `apiUrl` is GITHUB_API_URL (`https://api.github.com`, or GitHub Enterprise Server's
 * `https://HOST/api/v3`), so the same code speaks to either.
 */

export interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string; type?: string } | null;
}

/** A response that is not 2xx: its status and GitHub's message. */
export class GitHubApiError extends Error {
  constructor(readonly status: number, readonly method: string, readonly url: string, message: string) {
    super(`${method} ${url}: ${status} ${message}`);
  }
}

export interface GitHubClientOptions {
  apiUrl: string;
  token: string;
  userAgent: string;
}

export class GitHubClient {
  private readonly base: string;

  constructor(private readonly opts: GitHubClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<{ data: T; headers: Headers }> {
    const res = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.opts.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': this.opts.userAgent,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // Not JSON (a proxy's page): the start of the text says enough.
      }
      throw new GitHubApiError(res.status, method, url, message);
    }
    return { data: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  private repoPath(repo: string): string {
    const [owner, name] = repo.split('/');
    return `${this.base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  }

  /** Every comment of an issue or pull request, following the `Link: rel="next"` pages. */
  async listIssueComments(repo: string, issue: number): Promise<IssueComment[]> {
    const out: IssueComment[] = [];
    let url: string | undefined = `${this.repoPath(repo)}/issues/${issue}/comments?per_page=100`;
    for (let page = 0; url && page < 100; page++) {
      const { data, headers }: { data: IssueComment[]; headers: Headers } = await this.call<IssueComment[]>('GET', url);
      out.push(...data);
      url = nextLink(headers.get('link'));
    }
    return out;
  }

  async createIssueComment(repo: string, issue: number, body: string): Promise<IssueComment> {
    return (await this.call<IssueComment>('POST', `${this.repoPath(repo)}/issues/${issue}/comments`, { body })).data;
  }

  async updateIssueComment(repo: string, id: number, body: string): Promise<IssueComment> {
    return (await this.call<IssueComment>('PATCH', `${this.repoPath(repo)}/issues/comments/${id}`, { body })).data;
  }
}

/** The `rel="next"` URL of a Link header (RFC 8288), if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2])) return m[1];
  }
  return undefined;
}

/**
 * Posts `body` as the pull request's one comment of this kind: the comment holding `marker`
 * (a hidden HTML comment) is edited when there is one, otherwise a new one is made.
 */
export async function upsertComment(client: GitHubClient, repo: string, issue: number, marker: string, body: string): Promise<{ action: 'created' | 'updated'; comment: IssueComment }> {
  const existing = (await client.listIssueComments(repo, issue)).find((c) => c.body?.includes(marker));
  if (existing) return { action: 'updated', comment: await client.updateIssueComment(repo, existing.id, body) };
  return { action: 'created', comment: await client.createIssueComment(repo, issue, body) };
}
