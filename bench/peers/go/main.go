// SPDX-License-Identifier: Apache-2.0

// Command go_bench is the Go side of actio's benchmark cases (standard library
// only). Usage: go_bench <case> <N> [-url URL] [-concurrency C] [-expect-len L].
// It prints one JSON line; "ok" comes from the program checking its own result.
package main

import (
	"container/heap"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type result struct {
	ok     bool
	wall   float64
	ops    float64
	detail map[string]any
}

type options struct {
	url         string
	concurrency int
	expectLen   int
}

// splitmix64 is the suite's shared PRNG, identical in every peer.
type splitmix64 struct{ state uint64 }

func (s *splitmix64) next() uint64 {
	s.state += 0x9E3779B97F4A7C15
	z := s.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

func sleepTasks(n int, _ options) result {
	return sleepers(n, time.Second)
}

// idle: N goroutines sleeping 10 s; the harness's CPU time is the measure.
func idle(n int, _ options) result {
	return sleepers(n, 10*time.Second)
}

func sleepers(n int, d time.Duration) result {
	start := time.Now()
	results := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			time.Sleep(d)
			results[i] = 1
			wg.Done()
		}(i)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	sum := 0
	for _, r := range results {
		sum += r
	}
	return result{sum == n, wall, float64(n), nil}
}

// timerHeap orders pending callbacks by deadline: Go's time.AfterFunc runs
// each callback on its own goroutine, so deadline order needs one loop.
type timerEntry struct {
	due time.Duration
	seq int
}
type timerHeap []timerEntry

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func callLater(n int, _ options) result {
	rng := splitmix64{42}
	delays := make([]time.Duration, n)
	for i := range delays {
		delays[i] = time.Duration(rng.next()%1000001) * time.Microsecond
	}
	late := make([]float64, 0, n)
	start := time.Now()
	h := make(timerHeap, 0, n)
	for i, d := range delays {
		heap.Push(&h, timerEntry{d, i})
	}
	registered := time.Since(start)
	timer := time.NewTimer(time.Hour)
	inOrder, violations := true, 0
	var lastDue time.Duration = -1
	for h.Len() > 0 {
		next := h[0].due
		if wait := next - time.Since(start); wait > 0 {
			timer.Reset(wait)
			<-timer.C
		}
		now := time.Since(start)
		for h.Len() > 0 && h[0].due <= now {
			e := heap.Pop(&h).(timerEntry)
			late = append(late, (time.Since(start) - e.due).Seconds())
			if e.due >= registered {
				if e.due < lastDue {
					inOrder = false
					violations++
				}
				lastDue = e.due
			}
		}
	}
	wall := time.Since(start).Seconds()
	sort.Float64s(late)
	detail := map[string]any{
		"p50_late_ms": percentile(late, 0.5) * 1e3, "p99_late_ms": percentile(late, 0.99) * 1e3,
		"max_late_ms": percentile(late, 1) * 1e3, "resolution_ms": 0,
		"registration_s": registered.Seconds(), "order_violations": violations,
	}
	return result{inOrder && len(late) == n, wall, float64(n), detail}
}

func pingPong(n int, _ options) result {
	requests := make(chan int)
	replies := make(chan int)
	start := time.Now()
	go func() {
		for x := range requests {
			replies <- x + 1
		}
	}()
	ok := true
	for i := 0; i < n; i++ {
		requests <- i
		if <-replies != i+1 {
			ok = false
		}
	}
	close(requests)
	return result{ok, time.Since(start).Seconds(), float64(n), nil}
}

func gatherTrivial(n int, _ options) result {
	start := time.Now()
	results := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			results[i] = i
			wg.Done()
		}(i)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	ok, sum := true, 0
	for i, r := range results {
		sum += r
		ok = ok && r == i
	}
	return result{ok && sum == n*(n-1)/2, wall, float64(n), nil}
}

func executor(n int, _ options) result {
	const workers = 16
	const block = 5 * time.Millisecond
	start := time.Now()
	jobs := make(chan int)
	results := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			for i := range jobs {
				time.Sleep(block)
				results[i] = i
			}
			wg.Done()
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	wall := time.Since(start).Seconds()
	ok := true
	for i, r := range results {
		ok = ok && r == i
	}
	ideal := float64(n) * block.Seconds() / workers
	return result{ok, wall, float64(n), map[string]any{"ideal_s": ideal, "ratio_to_ideal": wall / ideal}}
}

func queue(n int, _ options) result {
	q := make(chan int, 1024)
	start := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			q <- i
		}
		close(q)
	}()
	ok, count := true, 0
	for x := range q {
		ok = ok && x == count
		count++
	}
	return result{ok && count == n, time.Since(start).Seconds(), float64(n), nil}
}

// generator: Go's generator is a goroutine sending on a channel; 64 slots,
// like actio's bounded stream between two tasks.
func generator(n int, _ options) result {
	start := time.Now()
	ch := make(chan int, 64)
	go func() {
		for i := 0; i < n; i++ {
			ch <- i
		}
		close(ch)
	}()
	ok, count := true, 0
	for x := range ch {
		ok = ok && x == count
		count++
	}
	return result{ok && count == n, time.Since(start).Seconds(), float64(n), nil}
}

func counter(n int, _ options) result {
	var mu sync.Mutex
	value := 0
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(2)
	for _, delta := range []int{1, -1} {
		go func(delta int) {
			for i := 0; i < n; i++ {
				mu.Lock()
				value += delta
				mu.Unlock()
			}
			wg.Done()
		}(delta)
	}
	wg.Wait()
	return result{value == 0, time.Since(start).Seconds(), float64(2 * n), nil}
}

func httpClient(n int, o options) result {
	transport := &http.Transport{MaxIdleConns: o.concurrency, MaxIdleConnsPerHost: o.concurrency,
		MaxConnsPerHost: o.concurrency, DisableCompression: true}
	client := &http.Client{Transport: transport}
	var next, good, bad int64
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(o.concurrency)
	for w := 0; w < o.concurrency; w++ {
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&next, 1) <= int64(n) {
				resp, err := client.Get(o.url)
				if err != nil {
					atomic.AddInt64(&bad, 1)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode == 200 && (o.expectLen < 0 || len(body) == o.expectLen) {
					atomic.AddInt64(&good, 1)
				} else {
					atomic.AddInt64(&bad, 1)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	return result{good == int64(n) && bad == 0, wall, float64(n), map[string]any{"bad": bad}}
}

// httpServer serves the http_server case with net/http until SIGTERM:
// every request gets 200 and "Hello, World!" (bench/peers/wrk/serve_and_wrk.py
// drives it with wrk and prints the result line).
func httpServer(port int) {
	body := []byte("Hello, World!")
	srv := &http.Server{Addr: fmt.Sprintf("127.0.0.1:%d", port),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(body)
		})}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() { <-stop; srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "go_bench:", err)
		os.Exit(1)
	}
}

var cases = map[string]func(int, options) result{
	"sleep_tasks": sleepTasks, "idle": idle, "call_later": callLater, "ping_pong": pingPong,
	"gather_trivial": gatherTrivial, "executor": executor, "queue": queue,
	"generator": generator,
	"counter":   counter, "http_client": httpClient,
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go_bench <case> <N> [-url URL] [-concurrency C] [-expect-len L]")
		os.Exit(2)
	}
	name := os.Args[1]
	var n int
	if _, err := fmt.Sscan(os.Args[2], &n); err != nil {
		fmt.Fprintln(os.Stderr, "go_bench: bad N:", os.Args[2])
		os.Exit(2)
	}
	fs := flag.NewFlagSet("go_bench", flag.ExitOnError)
	var o options
	fs.StringVar(&o.url, "url", "", "URL for http_client")
	fs.IntVar(&o.concurrency, "concurrency", 64, "requests in flight for http_client")
	fs.IntVar(&o.expectLen, "expect-len", -1, "expected body length for http_client")
	port := fs.Int("port", 0, "port for http_server")
	fs.Parse(os.Args[3:])
	if name == "http_server" {
		httpServer(*port)
		return
	}
	fn, found := cases[name]
	if !found {
		fmt.Fprintln(os.Stderr, "go_bench: unknown case", name)
		os.Exit(2)
	}
	r := fn(n, o)
	if r.detail == nil {
		r.detail = map[string]any{}
	}
	ops := 0.0
	if r.wall > 0 {
		ops = r.ops / r.wall
	}
	line, _ := json.Marshal(map[string]any{"case": name, "impl": "go", "n": n, "ok": r.ok,
		"wall_s": r.wall, "ops_per_s": ops, "detail": r.detail})
	fmt.Println(string(line))
}
