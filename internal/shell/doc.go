// Package shell puts credentials into interactive shells: it writes the
// statements that set or unset environment variables in each shell's syntax
// (Export), the `assume` function a shell's rc file loads (Init), and the
// profile picker that `keyless env` shows without a profile (Pick, Recent).
//
// It owns quoting: whatever a value holds, the statements it writes set
// exactly that value or fail with an error. It must not read credentials,
// profiles or the network; the CLI passes it values and names.
package shell
