package policy

// Lookup returns the request's values for the condition's key, without allocating.
func (c *Condition) Lookup(ctx *Context) ([]string, Presence) { return ctx.Lookup(c.key) }

// NotIn returns the values the condition's key, unknown in ctx, is known not to have.
func (c *Condition) NotIn(ctx *Context) []string { return ctx.notIn(c.key) }
