package awsapi

import (
	"context"
	"sync"
)

// ForEach runs fn for every item with at most limit running at once, and calls progress (if not
// nil) after each item with the number done. It returns when all have run or ctx is done; items
// not started by then are skipped. Results go through fn's closure (guard shared state).
func ForEach[T any](ctx context.Context, items []T, limit int, fn func(context.Context, T), progress func(done int)) {
	if limit < 1 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for _, it := range items {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case sem <- struct{}{}:
		}
		wg.Add(1)
		go func(it T) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(ctx, it)
			if progress != nil {
				mu.Lock()
				done++
				n := done
				progress(n)
				mu.Unlock()
			}
		}(it)
	}
	wg.Wait()
}
