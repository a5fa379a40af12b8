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
	bodyBytes   prometheus.Gauge
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
		bodyBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "continuity_request_body_bytes_in_flight", Help: "Bytes of request bodies being read or handled (the body budget in use).",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.pushChanges, m.pullChanges, m.bodyBytes,
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
	route := c.Route().Path // the registered pattern: the app's own string
	m.requests.WithLabelValues(route, methodLabel(c.Method()), strconv.Itoa(c.Response().StatusCode())).Inc()
	m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return nil
}

// methodLabel names a request's method for a metric label. c.Method() is a
// view of Fiber's reused request buffer, which the next request on the
// connection overwrites; a label outlives the request, so it must be a string
// of its own. Mapping to the fixed method names also keeps the label's
// values to a known set.
func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if m == known {
			return known
		}
	}
	return "OTHER"
}
