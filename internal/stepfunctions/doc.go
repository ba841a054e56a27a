// Package stepfunctions runs AWS Step Functions state machines written in
// the Amazon States Language: it owns parsing and validating a definition
// as CreateStateMachine does (InvalidDefinition with AWS's message style),
// and running a Standard workflow one state at a time (Run, Machine.Step).
//
// Supported: QueryLanguage JSONata (top level or per state); the states
// Task, Choice, Pass, Wait, Succeed and Fail; the fields Arguments, Output,
// Assign (workflow variables), Condition, Retry, Catch and TimeoutSeconds;
// $states.input, .result, .errorOutput and .context; {% %} templates at
// any depth; the JSONata functions of github.com/blues/jsonata-go plus the
// ones Step Functions adds ($hash, $partition, $range, $random, $uuid,
// $parse), with $now and $millis read from the caller's clock. JSONPath
// definitions and the Parallel and Map states are refused with a clear
// message.
//
// The package does no I/O: a Task's Resource is called through the
// Invoker the caller passes, and time comes from the caller. It knows
// nothing of the sandbox that serves the API (internal/sandbox).
package stepfunctions
