/* The crews task map (issue 21). */
