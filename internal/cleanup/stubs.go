package cleanup

import "context"

func (e *Executor) deleteRoot(ctx context.Context, a Action) (string, error) { return "", nil }
func (e *Executor) moveLocal(ctx context.Context, a Action) (string, error)  { return "", nil }
