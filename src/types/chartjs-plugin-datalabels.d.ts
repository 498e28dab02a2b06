/** The ES module build of chartjs-plugin-datalabels: the plugin its package typings describe (options typed through them). */
declare module 'chartjs-plugin-datalabels/dist/chartjs-plugin-datalabels.esm.js' {
  import type { Plugin } from 'chart.js';
  const plugin: Plugin;
  export default plugin;
}
