package store

// SetAttachChunk makes attach ask about n items per statement until the
// returned function restores the default.
func SetAttachChunk(n int) (restore func()) {
	old := attachChunkSize
	attachChunkSize = n
	return func() { attachChunkSize = old }
}

// SetOrderCacheMinStart makes pages from StartIndex n use the order cache
// until the returned function restores the default.
func SetOrderCacheMinStart(n int) (restore func()) {
	old := orderCacheMinStart
	orderCacheMinStart = n
	return func() { orderCacheMinStart = old }
}

// SetFewItems sets the scope under which names lists gather rather than
// probe, until the returned function restores the default.
func SetFewItems(n int) (restore func()) {
	old := fewItems
	fewItems = n
	return func() { fewItems = old }
}
