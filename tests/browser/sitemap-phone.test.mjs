// Every page in Italian on a phone, with JavaScript and without.
import { sitemapSuite, PHONE } from './sitemap.mjs';

sitemapSuite([
  { lang: 'it', size: PHONE, js: true },
  { lang: 'it', size: PHONE, js: false },
]);
