package cli

import "os"

// forwardedSignals are passed on to a command keyless runs. Windows
// delivers Ctrl-C to the whole console group, so only interrupts apply.
var forwardedSignals = []os.Signal{os.Interrupt}
