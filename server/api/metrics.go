package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, on their own registry.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	pushChanges *prometheus.CounterVec
	pullChanges prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "continuity_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "continuity_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		pushChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "continuity_push_changes_total", Help: "Pushed changes by outcome (applied, duplicate, rejected).",
		}, []string{"status"}),
		pullChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "continuity_pull_changes_total", Help: "Changes served by pulls.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.pushChanges, m.pullChanges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// middleware records each request's route, status and latency.
func (m *metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		// Render the error now so the recorded status is the one sent.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	route := c.Route().Path
	m.requests.WithLabelValues(route, c.Method(), strconv.Itoa(c.Response().StatusCode())).Inc()
	m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return nil
}
