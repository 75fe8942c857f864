/* The crews offline app: registers the service worker and shows "data as of" (issue 21). */
