// Coverage per town, stacked by how micro enterprises are covered.
document.addEventListener("DOMContentLoaded", function () {
  var d = JSON.parse(document.getElementById("coverage-data").textContent);
  var chart = echarts.init(document.getElementById("coverage-chart"));
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["单独建会", "大带小结对", "联合工会/工会联合会", "未覆盖"] },
    grid: { left: 40, right: 10, bottom: 70 },
    xAxis: { type: "category", data: d.towns, axisLabel: { rotate: 45 } },
    yAxis: { type: "value" },
    series: [
      { name: "单独建会", type: "bar", stack: "n", data: d.own, itemStyle: { color: "#2ca02c" } },
      { name: "大带小结对", type: "bar", stack: "n", data: d.mentored, itemStyle: { color: "#1f77b4" } },
      { name: "联合工会/工会联合会", type: "bar", stack: "n", data: d.joint, itemStyle: { color: "#9467bd" } },
      { name: "未覆盖", type: "bar", stack: "n", data: d.gap, itemStyle: { color: "#d62728" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
