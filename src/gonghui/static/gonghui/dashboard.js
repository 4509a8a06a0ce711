// County dashboard charts. Data comes from the page (json_script), never from another host.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var towns = echarts.init(document.getElementById("chart-towns"));
  towns.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["小微", "中型", "大型"] },
    grid: { left: 40, right: 10, bottom: 70 },
    xAxis: { type: "category", data: data.towns, axisLabel: { rotate: 45 } },
    yAxis: { type: "value" },
    series: [
      { name: "小微", type: "bar", stack: "n", data: data.micro },
      { name: "中型", type: "bar", stack: "n", data: data.medium },
      { name: "大型", type: "bar", stack: "n", data: data.large }
    ]
  });
  var mapEl = document.getElementById("chart-map");
  var map = echarts.init(mapEl);
  var option = {
    tooltip: { formatter: function (p) { return p.value[2] + (p.seriesName === "企业" ? "（" + p.value[3] + " 人）" : "（可容纳 " + p.value[3] + " 人）"); } },
    legend: { data: ["企业", "职工之家"] },
    series: [
      { name: "企业", type: "scatter", symbolSize: function (v) { return v[3] >= 300 ? 9 : 4; }, data: data.enterprises, itemStyle: { color: "#1f77b4", opacity: 0.6 } },
      { name: "职工之家", type: "scatter", symbol: "diamond", symbolSize: 10, data: data.venues, itemStyle: { color: "#d62728" } }
    ]
  };
  if (data.outline && data.outline.type) {
    echarts.registerMap("county", data.outline);
    option.geo = { map: "county", roam: true, itemStyle: { areaColor: "#f7f3ee", borderColor: "#999" } };
    option.series.forEach(function (s) { s.coordinateSystem = "geo"; });
  } else {
    option.xAxis = { type: "value", scale: true, name: "经度" };
    option.yAxis = { type: "value", scale: true, name: "纬度" };
  }
  map.setOption(option);
  window.addEventListener("resize", function () { towns.resize(); map.resize(); });
});
