package shell

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RefreshBefore is how long before the credentials `assume` set expire the
// shell integration fetches fresh ones, at the next prompt.
const RefreshBefore = 15 * time.Minute

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
// bash, zsh and fish also re-export fresh credentials at a prompt when
// fewer than RefreshBefore remain of those `assume` set: the expiry is in
// KEYLESS_EXPIRATION_EPOCH and the shell compares it with its own clock
// (bash's EPOCHSECONDS or printf %(%s)T, zsh/datetime, fish's path mtime),
// so nothing runs at a prompt until a refresh is due. A refresh that fails
// (a sign-in is needed), or gives credentials that are due again, is tried
// again a minute later, not at every prompt.
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
	before := strconv.Itoa(int(RefreshBefore.Seconds()))
	switch shell {
	case "bash":
		// EPOCHSECONDS is bash 5's; printf's %(%s)T bash 4.2's.
		now := `now=${EPOCHSECONDS-}; [ -n "$now" ] || printf -v now '%(%s)T' -1`
		return strings.NewReplacer("@EXE@", shQuote(exe), "@BEFORE@", before, "@NOW@", now).Replace(bashInit), nil
	case "zsh":
		return strings.NewReplacer("@EXE@", shQuote(exe), "@BEFORE@", before, "@NOW@", "now=$EPOCHSECONDS").Replace(zshInit), nil
	case "fish":
		return strings.NewReplacer("@EXE@", fishQuote(exe), "@BEFORE@", before).Replace(fishInit), nil
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

// shRefresh is the prompt hook of bash and zsh; @NOW@ sets now to the epoch
// without running a program. A value that is not digits is ignored (shell
// arithmetic would evaluate it).
const shRefresh = `__keyless_refresh() {
    local __keyless_st=$? now
    case ${KEYLESS_EXPIRATION_EPOCH-x} in *[!0-9]*|'') return $__keyless_st ;; esac
    [ -n "${KEYLESS_PROFILE-}" ] || return $__keyless_st
    @NOW@
    if [ "$now" -ge $((KEYLESS_EXPIRATION_EPOCH - @BEFORE@)) ] && [ "$now" -ge "${__keyless_retry_at:-0}" ]; then
        if ! assume "$KEYLESS_PROFILE" </dev/null || [ "${KEYLESS_EXPIRATION_EPOCH:-0}" -lt $((now + @BEFORE@)) ] 2>/dev/null; then
            __keyless_retry_at=$((now + 60))
        fi
    fi
    return $__keyless_st
}
`

const bashInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this shell.
` + shAssume + shRefresh + `
case ";${PROMPT_COMMAND[*]-};" in
    *";__keyless_refresh;"*) ;;
    *) PROMPT_COMMAND="__keyless_refresh${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac

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
` + shAssume + shRefresh + `
zmodload -F zsh/datetime p:EPOCHSECONDS
autoload -Uz add-zsh-hook
add-zsh-hook precmd __keyless_refresh

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
# The clock without a program: the age of fish's own binary plus its mtime.
function __keyless_refresh --on-event fish_prompt
    set -q KEYLESS_PROFILE KEYLESS_EXPIRATION_EPOCH; or return
    string match -qr '^[0-9]+$' -- $KEYLESS_EXPIRATION_EPOCH; or return
    set -l bin (status fish-path)
    set -l now (math (path mtime -- $bin) + (path mtime -R -- $bin))
    set -q __keyless_retry_at; or set -g __keyless_retry_at 0
    if test $now -ge (math $KEYLESS_EXPIRATION_EPOCH - @BEFORE@); and test $now -ge $__keyless_retry_at
        if not assume $KEYLESS_PROFILE </dev/null; or not test "$KEYLESS_EXPIRATION_EPOCH" -ge (math $now + @BEFORE@) 2>/dev/null
            set -g __keyless_retry_at (math $now + 60)
        end
    end
end
`

const psInit = `# keyless: assume PROFILE puts that profile's AWS credentials into this session.
function assume {
    $out = & @EXE@ env @args --format powershell
    if ($LASTEXITCODE -ne 0 -or -not $out) { return }
    ($out -join "` + "`" + `n") | Invoke-Expression
}
`
