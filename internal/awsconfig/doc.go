// Package awsconfig reads and edits the AWS shared config file (~/.aws/config)
// the way botocore reads it: configparser rules, keys lower-cased, duplicate
// sections and keys refused, [profile x] and [default] as profiles.
//
// keyless owns only the sections between its marker comments (blocks); every
// other byte of the file is kept exactly as it was, line endings, comments and
// a missing final newline included. Writes go through Update: a lock file in
// keyless's own directory, a backup of the person's original file, and an
// atomic rename; a read-only file is left alone. The package never writes
// credentials or tokens into the file, and its errors never quote the value
// of a secret key found in it.
package awsconfig
