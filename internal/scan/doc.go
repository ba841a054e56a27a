// Package scan finds AWS access keys in files and in git history.
//
// It owns the key shapes (access key ids AKIA/ASIA/ABIA/ACCA + 16 base32
// characters; 40-character secrets near an id or a keyword, with an entropy
// check), the file walker, the readers of what files hold (zip, tar and gzip
// members, UTF-16 text, JSON escapes, large files in overlapping chunks), the
// git history reader (blobs, commit and tag messages), the .keylessignore
// format and inline keyless:ignore markers, the report formats (text, JSON,
// SARIF 2.1.0) and --verify, which asks AWS who owns a found key id with the
// user's own credentials. It also reads the CI configuration files
// (GitHub workflows, .gitlab-ci.yml, CircleCI, Bitbucket Pipelines) for
// jobs handed a long-lived key, and names the workloads: entry to use instead.
//
// It scans everything it is given, as a leaked key is leaked wherever it
// lies: only .keylessignore leaves paths out. It must never block on what a
// path turns out to be (a named pipe, a device) nor let an archive expand
// without bound.
//
// It must never use, log or print a found secret: findings carry the secret
// redacted to its first four characters, and verification sends only key ids.
package scan
