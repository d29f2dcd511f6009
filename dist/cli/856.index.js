export const id = 856;
export const ids = [856];
export const modules = {

/***/ 2856:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   actionHost: () => (/* binding */ actionHost)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3838);

/** The host of a workflow step: the Actions log, annotations, step outputs and the job summary. */
function actionHost(writeSummary) {
    return {
        info: message => _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(message),
        notice: (message, properties) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.notice(message, properties),
        warning: (message, properties) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.warning(message, properties),
        error: (message, properties) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.error(message, properties),
        group: (name, work) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.group(name, work),
        setOutput: (name, value) => _actions_core__WEBPACK_IMPORTED_MODULE_0__.setOutput(name, value),
        setSecret: value => _actions_core__WEBPACK_IMPORTED_MODULE_0__.setSecret(value),
        present: async (markdown, text) => {
            _actions_core__WEBPACK_IMPORTED_MODULE_0__.info(text);
            if (writeSummary && process.env.GITHUB_STEP_SUMMARY)
                await _actions_core__WEBPACK_IMPORTED_MODULE_0__.summary.addRaw(markdown).write();
        }
    };
}


/***/ })

};
