package compliance

// nameLookup finds the listed names holding words similar to a query's.
// Screening uses the index; the proof tests pass a full scan of the
// vocabulary instead (index_full_test.go), so production code does not
// carry the reference implementation.
type nameLookup interface {
	lookup(p *prepared, sc *scratch) []int32
}
