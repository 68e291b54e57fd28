package policy

// Lookup returns the request's values for the condition's key, without allocating.
func (c *Condition) Lookup(ctx *Context) ([]string, Presence) { return ctx.Lookup(c.key) }
