// Draws each tension trend from the JSON beside its canvas. The table under each chart holds the same
// figures, so nothing is lost without JavaScript or to a screen reader.
document.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.chartSource).textContent);
  const labels = data.labels.map((iso) =>
    new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })
  );
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: data.label, data: data.values, borderColor: "#1d70b8", backgroundColor: "#1d70b8", stepped: true },
        { label: "Alert level", data: data.values.map(() => data.alert), borderColor: "#d4351c", borderDash: [6, 4], pointRadius: 0 },
      ],
    },
    options: { animation: false, scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } } },
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
