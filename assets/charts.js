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
