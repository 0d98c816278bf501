#!/usr/bin/env nextflow
// Placeholder: the pipeline (crop -> pose -> quantify -> summarise) arrives with issue 5.
workflow {
    log.info "scratchflow: the Nextflow pipeline is not written yet; use `scratchflow quantify`."
}
