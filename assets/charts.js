// Draws each tension trend from the JSON beside its canvas. The table under each chart holds the same
// figures, so nothing is lost without JavaScript or to a screen reader.
document.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.chartSource).textContent);
  // A time axis to scale: each reading at its own moment (milliseconds on a linear axis, so no date adapter
  // is needed), not one evenly spaced slot per reading.
  const points = data.labels.map((iso, index) => ({ x: Date.parse(iso), y: data.values[index] }));
  const first = points.length ? points[0].x : 0;
  const last = points.length ? points[points.length - 1].x : 0;
  const when = (ms) =>
    new Date(ms).toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  new window.Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: data.label, data: points, borderColor: "#1d70b8", backgroundColor: "#1d70b8", stepped: true },
        {
          label: "Alert level",
          data: [{ x: first, y: data.alert }, { x: last, y: data.alert }],
          borderColor: "#d4351c",
          borderDash: [6, 4],
          pointRadius: 0,
        },
      ],
    },
    options: {
      animation: false,
      parsing: false,
      scales: {
        x: { type: "linear", min: first, max: last, ticks: { callback: when, maxTicksLimit: 6 } },
        y: { min: 1, max: 5, ticks: { stepSize: 1 } },
      },
      plugins: { tooltip: { callbacks: { title: (items) => when(items[0].parsed.x) } } },
    },
  });
});

// The reports dashboard: bar and line charts described by the JSON beside each canvas (see
// reports/selectors.py). Again, the table under each chart gives the same figures.
document.querySelectorAll("canvas[data-report-chart]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.reportChart).textContent);
  const horizontal = Boolean(data.horizontal);
  const valueAxis = { beginAtZero: true, stacked: Boolean(data.stacked), ...(data.max ? { max: data.max } : {}) };
  const labelAxis = { stacked: Boolean(data.stacked) };
  new window.Chart(canvas, {
    type: data.kind,
    data: {
      labels: data.labels,
      datasets: data.datasets.map((set) => ({
        label: set.label,
        data: set.values,
        borderColor: set.colour,
        backgroundColor: set.colour,
        spanGaps: true,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    },
  });
});
