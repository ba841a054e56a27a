// Package scan finds AWS access keys in files and in git history.
//
// It owns the key shapes (access key ids AKIA/ASIA/ABIA/ACCA + 16 base32
// characters; 40-character secrets near an id or a keyword, with an entropy
// check), the file walker and its skip rules, the git history reader, the
// .keylessignore format and inline keyless:ignore markers, the report formats
// (text, JSON, SARIF 2.1.0) and --verify, which asks AWS who owns a found key
// id with the user's own credentials.
//
// It must never use, log or print a found secret: findings carry the secret
// redacted to its first four characters, and verification sends only key ids.
package scan
