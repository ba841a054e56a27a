package shell

import (
	"fmt"
	"strings"
)

// Shells lists the shells Init writes a script for.
func Shells() []string { return []string{"bash", "zsh", "fish", "powershell"} }

// Init returns the script `keyless shell-init SHELL` prints. It defines a
// function `assume` that runs `<exe> env ARGS --format <shell's format>` and
// evaluates what it prints only when keyless succeeds; otherwise it returns
// keyless's exit status and changes nothing. `assume P` sets profile P,
// `assume` alone lets keyless show its picker, `assume --unset` clears the
// variables; other flags pass through. It also completes profile names for
// `assume` from `<exe> __complete env WORD`.
//
// Loading it:
//
//	bash, zsh:  eval "$(keyless shell-init bash)"      (in ~/.bashrc, ~/.zshrc)
//	fish:       keyless shell-init fish | source       (in ~/.config/fish/config.fish)
//	PowerShell: keyless shell-init powershell | Invoke-Expression   (in $PROFILE)
func Init(shell, exe string) (string, error) {
	if exe == "" {
		return "", fmt.Errorf("shell-init: the path of keyless is empty")
	}
	switch shell {
	case "bash":
		return strings.ReplaceAll(bashInit, "@EXE@", shQuote(exe)), nil
	case "zsh":
		return strings.ReplaceAll(zshInit, "@EXE@", shQuote(exe)), nil
	case "fish":
		return strings.ReplaceAll(fishInit, "@EXE@", fishQuote(exe)), nil
	case "powershell":
		return strings.ReplaceAll(psInit, "@EXE@", psQuote(exe)), nil
	}
	return "", fmt.Errorf("unknown shell %q: use one of %s", shell, strings.Join(Shells(), ", "))
}

// The output is captured first and evaluated only on success, so a failing
// keyless (or one cancelled in its picker) leaves the shell as it was. The
// picker still works inside $(...): it draws on stderr and reads stdin,
// which stay the terminal.
const shAssume = `assume() {
    local __keyless_out __keyless_status
    __keyless_out=$(@EXE@ env "$@" --format sh)
    __keyless_status=$?
    if [ "$__keyless_status" -ne 0 ]; then
        return "$__keyless_status"
    fi
    eval "$__keyless_out"
}
`

const bashInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this shell.
` + shAssume + `
_keyless_assume_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} line tab=$'\t'
    COMPREPLY=()
    while IFS= read -r line; do
        case $line in
            :*) ;;
            "$cur"*) COMPREPLY+=("${line%%"$tab"*}") ;;
        esac
    done < <(@EXE@ __complete env "$cur" 2>/dev/null)
}
complete -F _keyless_assume_complete assume
`

const zshInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this shell.
` + shAssume + `
_keyless_assume_complete() {
    local -a names
    local line tab=$'\t'
    for line in ${(f)"$(@EXE@ __complete env "$PREFIX" 2>/dev/null)"}; do
        [[ $line == :* ]] || names+=("${line%%"$tab"*}")
    done
    compadd -a names
}
if (( $+functions[compdef] )); then
    compdef _keyless_assume_complete assume
fi
`

const fishInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this shell.
function assume --description 'Put the AWS credentials of a keyless profile into this shell'
    set -l out (@EXE@ env $argv --format fish | string collect)
    set -l st $pipestatus[1]
    if test $st -ne 0
        return $st
    end
    # set -e of a variable that is not set fails; that is not an error here.
    printf '%s\n' $out | source
    return 0
end
function __keyless_assume_complete
    @EXE@ __complete env (commandline -ct) 2>/dev/null | string match -v -- ':*' | string replace -r -- '\t.*' ''
end
complete -c assume -f -a '(__keyless_assume_complete)'
`

const psInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this session.
function assume {
    $out = & @EXE@ env @args --format powershell
    if ($LASTEXITCODE -ne 0 -or -not $out) { return }
    ($out -join "` + "`" + `n") | Invoke-Expression
}
`
