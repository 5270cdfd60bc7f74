package store

// SetBeforeWrite lets tests act between a transition's decision and its write.
func SetBeforeWrite(s *Store, fn func()) { s.beforeWrite = fn }
