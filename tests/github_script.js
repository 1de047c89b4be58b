// One `actions/github-script@v7` step, run as the action runs it: the step's script is the body of
// an async function of (require, github, context, core); `context` is built from the job's
// environment as @actions/github builds it; `core.setOutput` and `core.setFailed` behave as
// @actions/core's do; an error thrown by the script fails the step ("Unhandled error: ...").
// `github` is a recording stand-in of the REST calls: it serves them from, and writes them back
// to, the JSON state that tests/workflow.py keeps (comments, issues, pull requests, workflow
// runs), and records each call. A call it does not know throws, naming it.
//
// node github_script.js STATE SCRIPT
'use strict';
const fs = require('fs');
const crypto = require('crypto');

const [stateFile, scriptFile] = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
process.on('exit', () => fs.writeFileSync(stateFile, JSON.stringify(state, null, 1)));

const BOT = { login: 'github-actions[bot]', type: 'Bot' };

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function page(items, params) {
  const perPage = params.per_page || 30;
  const start = ((params.page || 1) - 1) * perPage;
  return items.slice(start, start + perPage);
}

function newId() {
  state.next_id += 1;
  return state.next_id;
}

function issueView(pull) {
  return { number: pull.number, title: pull.title, state: pull.state, body: pull.body, pull_request: { url: '' } };
}

const rest = {
  issues: {
    listComments: (p) => page(state.comments.filter((c) => c.issue_number === p.issue_number), p),
    createComment(p) {
      const comment = { id: newId(), issue_number: p.issue_number, body: p.body, user: BOT };
      state.comments.push(comment);
      return comment;
    },
    updateComment(p) {
      const comment = state.comments.find((c) => c.id === p.comment_id);
      if (!comment) throw new HttpError(404, `no comment ${p.comment_id}`);
      comment.body = p.body;
      return comment;
    },
    listForRepo(p) {
      const all = [...state.issues, ...state.pulls.map(issueView)];
      const wanted = all.filter((i) => (p.state || 'open') === 'all' || i.state === (p.state || 'open'));
      return page(wanted.sort((a, b) => b.number - a.number), p);
    },
    create(p) {
      const issue = { number: newId(), title: p.title, body: p.body, state: 'open', user: BOT };
      state.issues.push(issue);
      return issue;
    },
    update(p) {
      const issue = state.issues.find((i) => i.number === p.issue_number);
      if (!issue) throw new HttpError(404, `no issue ${p.issue_number}`);
      for (const key of ['title', 'body', 'state']) if (key in p) issue[key] = p[key];
      return issue;
    },
  },
  repos: {
    listPullRequestsAssociatedWithCommit: (p) => state.pulls.filter((pull) => pull.commits.includes(p.commit_sha)),
  },
  actions: {
    listWorkflowRunsForRepo(p) {
      const runs = state.runs
        .filter((r) => !p.head_sha || r.head_sha === p.head_sha)
        .filter((r) => !p.event || r.event === p.event)
        .filter((r) => !p.status || r.status === p.status || r.conclusion === p.status)
        .sort((a, b) => b.id - a.id);
      return { total_count: runs.length, workflow_runs: page(runs, p) };
    },
  },
};

// The permission each call needs of the workflow's token (`permissions:`; write grants read).
const NEEDS = {
  'issues.listComments': [['issues', 'pull-requests'], 'read'],
  'issues.createComment': [['issues', 'pull-requests'], 'write'],
  'issues.updateComment': [['issues', 'pull-requests'], 'write'],
  'issues.listForRepo': [['issues'], 'read'],
  'issues.create': [['issues'], 'write'],
  'issues.update': [['issues'], 'write'],
  'repos.listPullRequestsAssociatedWithCommit': [['contents'], 'read'],
  'actions.listWorkflowRunsForRepo': [['actions'], 'read'],
};

function permitted(call) {
  const [scopes, level] = NEEDS[call];
  return scopes.some((scope) => state.permissions[scope] === 'write' || state.permissions[scope] === level);
}

function method(namespace, name, fn) {
  return async (params) => {
    const call = `${namespace}.${name}`;
    state.calls.push([call, params]);
    if (!permitted(call)) throw new HttpError(403, `${call}: Resource not accessible by integration`);
    if (params.owner !== state.owner || params.repo !== state.repo) {
      throw new HttpError(404, `${namespace}.${name}: no repository ${params.owner}/${params.repo}`);
    }
    return { status: 200, data: fn(params) };
  };
}

function strict(target, what) {
  return new Proxy(target, {
    get(object, key) {
      if (typeof key === 'symbol' || key === 'then') return object[key];
      if (!(key in object)) throw new Error(`the GitHub stand-in has no ${what}.${String(key)}`);
      return object[key];
    },
  });
}

const github = strict(
  {
    rest: strict(
      Object.fromEntries(
        Object.entries(rest).map(([namespace, fns]) => [
          namespace,
          strict(
            Object.fromEntries(Object.entries(fns).map(([name, fn]) => [name, method(namespace, name, fn)])),
            `github.rest.${namespace}`,
          ),
        ]),
      ),
      'github.rest',
    ),
    async paginate(fn, params) {
      const perPage = params.per_page || 30;
      const items = [];
      for (let n = 1; ; n += 1) {
        const { data } = await fn({ ...params, per_page: perPage, page: n });
        if (!Array.isArray(data)) throw new Error('paginate: the stand-in pages only lists');
        items.push(...data);
        if (data.length < perPage) return items;
      }
    },
  },
  'github',
);

// As @actions/github's Context reads the runner's environment.
const env = process.env;
const payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
const [owner, repo] = env.GITHUB_REPOSITORY.split('/');
const context = strict({
  payload,
  eventName: env.GITHUB_EVENT_NAME,
  sha: env.GITHUB_SHA,
  ref: env.GITHUB_REF,
  workflow: env.GITHUB_WORKFLOW,
  job: env.GITHUB_JOB,
  runId: Number(env.GITHUB_RUN_ID),
  repo: { owner, repo },
  issue: { owner, repo, number: (payload.issue || payload.pull_request || payload).number },
}, 'context');

// As @actions/core's: outputs go to the file in GITHUB_OUTPUT, in its delimited form.
const core = {
  setOutput(name, value) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
    fs.appendFileSync(env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${text}\n${delimiter}\n`);
  },
  setFailed(message) {
    process.exitCode = 1;
    console.log(`::error::${message}`);
  },
  info: (message) => console.log(message),
};

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const script = fs.readFileSync(scriptFile, 'utf8');
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core).catch((error) =>
  core.setFailed(`Unhandled error: ${error}`),
);
